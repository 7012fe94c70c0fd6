import { CommunityService, NodeRegisteredSchema, NodeService } from './index.js';
import { eventStream, eventSubject, rpcSubject, toSnakeCase } from './subjects.js';

describe('subjects are derived from proto names, never typed by hand', () => {
  it('rpc.<context>.v1.<method_snake>', () => {
    expect(rpcSubject(NodeService.method.getNode)).toBe('rpc.org.v1.get_node');
    expect(rpcSubject(NodeService.method.findNodeByCode)).toBe('rpc.org.v1.find_node_by_code');
    expect(rpcSubject(CommunityService.method.getCommunitySummary)).toBe(
      'rpc.governance.v1.get_community_summary',
    );
  });

  it('evt.<context>.v1.<event_snake> in stream EVT_<CONTEXT>', () => {
    expect(eventSubject(NodeRegisteredSchema)).toBe('evt.org.v1.node_registered');
    expect(eventStream('org')).toBe('EVT_ORG');
  });

  it('snake-cases acronyms sensibly', () => {
    expect(toSnakeCase('GetHTTPStatus')).toBe('get_http_status');
    expect(toSnakeCase('NodeIDChanged')).toBe('node_id_changed');
  });
});
