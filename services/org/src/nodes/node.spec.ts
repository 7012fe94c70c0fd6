import { NodeKind } from '@linli/contracts';
import { parentCodeOf } from '../divisions/divisions.import.js';
import { codeFitsParent, mayContain, townshipKind, unitName, validateName, villageKind } from './node.js';

describe('division tree rules', () => {
  it('AD-1: the township type comes from code[6]', () => {
    expect(townshipKind('510108007000')).toBe(NodeKind.STREET);
    expect(townshipKind('510182107000')).toBe(NodeKind.TOWN);
    expect(townshipKind('510131200000')).toBe(NodeKind.TOWNSHIP);
    expect(townshipKind('510131400000')).toBe(NodeKind.TOWNSHIP);
  });

  it('AD-1: village-level sequence 001–199 is an urban community, 200+ a village', () => {
    expect(villageKind('510108007003')).toBe(NodeKind.COMMUNITY);
    expect(villageKind('510182107199')).toBe(NodeKind.COMMUNITY);
    expect(villageKind('510182107203')).toBe(NodeKind.VILLAGE);
  });

  it('AD-1: the statistical parent is read from the code prefixes', () => {
    expect(parentCodeOf('510108007003')).toBe('510108007000');
    expect(parentCodeOf('510108007000')).toBe('510108000000');
    expect(parentCodeOf('510108000000')).toBe('510100000000');
    expect(parentCodeOf('510100000000')).toBe('510000000000');
    expect(parentCodeOf('510000000000')).toBeNull();
  });

  it("AD-2: a node's code continues its parent's code", () => {
    expect(codeFitsParent('510182107250', '510182107000', NodeKind.TOWN)).toBe(true);
    expect(codeFitsParent('510108007250', '510182107000', NodeKind.TOWN)).toBe(false);
    expect(codeFitsParent('510182107250', null, NodeKind.TOWN)).toBe(false);
  });

  it('only the next level down may be added under a node', () => {
    expect(mayContain(NodeKind.TOWN, NodeKind.COMMUNITY)).toBe(true);
    expect(mayContain(NodeKind.STREET, NodeKind.VILLAGE)).toBe(true);
    expect(mayContain(NodeKind.DISTRICT, NodeKind.COMMUNITY)).toBe(false);
    expect(mayContain(NodeKind.COMMUNITY, NodeKind.STREET)).toBe(false);
    expect(mayContain(NodeKind.BUILDING, NodeKind.BUILDING)).toBe(false);
  });

  it('names the unit, not its committee', () => {
    expect(unitName('下涧槽社区居委会')).toBe('下涧槽社区');
    expect(unitName('杉柏村村委会')).toBe('杉柏村');
    expect(unitName('丹景山镇')).toBe('丹景山镇');
  });

  it('validates names', () => {
    expect(validateName('关口场社区')).toBeUndefined();
    expect(validateName('   ')?.field).toBe('name');
    expect(validateName('x'.repeat(65))?.description).toContain('64');
    expect(validateName('bad\u0007name')?.description).toContain('control');
  });
});
