/** The queues section; `route` is what follows `#/queues/` in the hash. */
export function QueuesPage({ route }: { route: readonly string[] }) {
  return (
    <section>
      <h1>Queues</h1>
      {route.length > 0 && <p>{route.join('/')}</p>}
    </section>
  );
}
