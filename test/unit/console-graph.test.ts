import { layoutAsl } from '../../web/console/graph-layout';
import type { AslView } from '../../web/console/execution-views';

/** The console's graph layout: a Map or Parallel is a cluster drawn around its own node and its nested states. */
const asl: AslView = {
  StartAt: 'ReadPartners',
  States: {
    ReadPartners: { Type: 'Task', Next: 'EachPartner' },
    EachPartner: {
      Type: 'Map',
      ItemProcessor: {
        StartAt: 'ReconcilePartner',
        States: {
          ReconcilePartner: { Type: 'Task', Next: 'Both' },
          Both: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'FixStats', States: { FixStats: { Type: 'Pass', End: true } } },
              { StartAt: 'FixLedger', States: { FixLedger: { Type: 'Pass', End: true } } },
            ],
            End: true,
          },
        },
      },
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'ReportFailure' }],
      Next: 'Done',
    },
    ReportFailure: { Type: 'Fail' },
    Done: { Type: 'Succeed' },
  },
};

const inside = (a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean =>
  a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;

it('draws every state once, each nested state inside its parent cluster and outside the others', () => {
  const g = layoutAsl(asl);
  const node = new Map(g.nodes.map((n) => [n.name, n.box]));
  const cluster = new Map(g.clusters.map((c) => [c.name, c.box]));
  expect([...node.keys()].sort()).toEqual(
    [
      'Both',
      'Done',
      'EachPartner',
      'FixLedger',
      'FixStats',
      'ReadPartners',
      'ReconcilePartner',
      'ReportFailure',
    ].sort(),
  );
  const map = cluster.get('EachPartner (cluster)');
  const parallel = cluster.get('Both (cluster)');
  if (!map || !parallel) throw new Error('both clusters are drawn');
  for (const name of ['EachPartner', 'ReconcilePartner', 'Both', 'FixStats', 'FixLedger'])
    expect(inside(node.get(name)!, map)).toBe(true);
  for (const name of ['Both', 'FixStats', 'FixLedger']) expect(inside(node.get(name)!, parallel)).toBe(true);
  for (const name of ['ReadPartners', 'Done', 'ReportFailure'])
    expect(inside(node.get(name)!, map)).toBe(false);
  expect(inside(node.get('ReconcilePartner')!, parallel)).toBe(false);
  expect(g.edges.filter((e) => e.caught).map((e) => [e.from, e.to])).toEqual([
    ['EachPartner', 'ReportFailure'],
  ]);
  expect(g.edges.find((e) => e.from === 'Both' && e.to === 'FixLedger')).toBeDefined();
});
