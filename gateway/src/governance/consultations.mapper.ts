import { ConsultationStatus, type Consultation, type Opinion } from '@linli/contracts';
import type { ConsultationDto, ConsultationStatusName, OpinionDto } from './consultations.dto.js';
import { enumCodec, iso, orNull } from './governance.mapper.js';

const consultationStatuses = enumCodec<ConsultationStatusName, ConsultationStatus>({
  open: ConsultationStatus.OPEN,
  closed: ConsultationStatus.CLOSED,
  summarised: ConsultationStatus.SUMMARISED,
});

export function toConsultationDto(c: Consultation): ConsultationDto {
  return {
    id: c.id,
    scopeNodeId: c.scopeNodeId,
    topic: c.topic,
    description: c.description,
    opensAt: iso(c.opensAt),
    closesAt: iso(c.closesAt),
    status: consultationStatuses.toName(c.status),
    opinionCount: c.opinionCount,
    summary: orNull(c.summary),
    meetingId: orNull(c.meetingId),
    decisionId: orNull(c.decisionId),
  };
}

export function toOpinionDto(o: Opinion): OpinionDto {
  return {
    id: o.id,
    consultationId: o.consultationId,
    text: o.text,
    submittedAt: iso(o.submittedAt),
    authorDisplay: o.authorDisplay,
  };
}
