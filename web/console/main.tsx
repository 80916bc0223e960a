import { render } from 'preact';

render(
  <main>
    <h1>Operations console</h1>
  </main>,
  document.getElementById('app')!,
);
