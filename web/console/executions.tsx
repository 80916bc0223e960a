/** The executions section; `route` is what follows `#/executions/` in the hash. */
export function ExecutionsPage({ route }: { route: readonly string[] }) {
  return (
    <section>
      <h1>Executions</h1>
      {route.length > 0 && <p>{route.join('/')}</p>}
    </section>
  );
}
