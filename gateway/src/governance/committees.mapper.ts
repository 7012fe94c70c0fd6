import { CommitteeType, SeatPosition, type Committee, type Seat } from '@linli/contracts';
import type { CommitteeDto, CommitteeTypeName, SeatDto, SeatPositionName } from './committees.dto.js';
import { enumCodec, iso, orNull } from './governance.mapper.js';

export const committeeTypes = enumCodec<CommitteeTypeName, CommitteeType>({
  residents: CommitteeType.RESIDENTS,
  village: CommitteeType.VILLAGE,
  owners: CommitteeType.OWNERS,
  deliberative_council: CommitteeType.DELIBERATIVE_COUNCIL,
  supervisory_board: CommitteeType.SUPERVISORY_BOARD,
  co_building: CommitteeType.CO_BUILDING,
  co_governance: CommitteeType.CO_GOVERNANCE,
});

export const seatPositions = enumCodec<SeatPositionName, SeatPosition>({
  chair: SeatPosition.CHAIR,
  vice_chair: SeatPosition.VICE_CHAIR,
  member: SeatPosition.MEMBER,
});

export function toSeatDto(s: Seat): SeatDto {
  return {
    id: s.id,
    position: seatPositions.toName(s.position),
    portfolio: orNull(s.portfolio),
    residentId: s.residentId,
    displayName: s.displayName,
    validFrom: s.validFrom,
    validTo: orNull(s.validTo),
    source: s.source,
    endReason: orNull(s.endReason),
  };
}

export function toCommitteeDto(c: Committee): CommitteeDto {
  return {
    id: c.id,
    type: committeeTypes.toName(c.type),
    scopeNodeId: c.scopeNodeId,
    name: c.name,
    size: c.size,
    termStart: c.termStart,
    termEnd: c.termEnd,
    mandateDecisionId: orNull(c.mandateDecisionId),
    portfolios: [...c.portfolios],
    seats: c.seats.map(toSeatDto),
    vacancies: c.vacancies,
    version: Number(c.version),
    createdAt: iso(c.createdAt),
  };
}
