import { render } from 'preact';

render(
  <main>
    <h1>Partner portal</h1>
  </main>,
  document.getElementById('app')!,
);
