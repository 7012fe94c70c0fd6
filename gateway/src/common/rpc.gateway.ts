import { Inject, Injectable } from '@nestjs/common';
import type { DescMessage, DescMethodUnary, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import { create } from '@bufbuild/protobuf';
import type { Principal } from '@linli/auth';
import { PrincipalSchema } from '@linli/contracts';
import { RpcClient } from '@linli/messaging';

/** Calls a service on behalf of the authenticated principal, forwarding it and the request id. */
@Injectable()
export class ServiceCaller {
  constructor(@Inject(RpcClient) private readonly client: RpcClient) {}

  call<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    request: MessageInitShape<I>,
    principal: Principal | undefined,
    requestId?: string,
  ): Promise<MessageShape<O>> {
    return this.client.call(method, request, {
      principal: principal
        ? create(PrincipalSchema, {
            subject: principal.subject,
            username: principal.username,
            roles: principal.roles,
            clientId: principal.clientId,
          })
        : undefined,
      requestId,
    });
  }
}
