/** The partners section; `route` is what follows `#/partners/` in the hash. */
export function PartnersPage({ route }: { route: readonly string[] }) {
  return (
    <section>
      <h1>Partners</h1>
      {route.length > 0 && <p>{route.join('/')}</p>}
    </section>
  );
}
