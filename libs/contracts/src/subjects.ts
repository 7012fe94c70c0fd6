import type { DescMessage, DescMethod } from '@bufbuild/protobuf';

/** `GetNode` → `get_node`, `NodeRegistered` → `node_registered`. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

const PACKAGE = /^linli\.([a-z]+)\.(v\d+)$/;

function contextAndVersion(typeName: string): { context: string; version: string } {
  const pkg = typeName.slice(0, typeName.lastIndexOf('.'));
  const match = PACKAGE.exec(pkg);
  if (!match) throw new Error(`${typeName} is not in a linli.<context>.v<N> package`);
  return { context: match[1], version: match[2] };
}

/** The bounded context that owns a proto type: `linli.org.v1.NodeRegistered` → `org`. */
export function contextOf(typeName: string): string {
  return contextAndVersion(typeName).context;
}

/** `rpc.<context>.v<N>.<method_snake>` for a method of a generated service. */
export function rpcSubject(method: DescMethod): string {
  const { context, version } = contextAndVersion(method.parent.typeName);
  return `rpc.${context}.${version}.${toSnakeCase(method.name)}`;
}

/** Wildcard that a service subscribes to for all of its RPCs: `rpc.<context>.>` */
export function rpcWildcard(context: string): string {
  return `rpc.${context}.>`;
}

/** `evt.<context>.v<N>.<event_snake>` for an event message. */
export function eventSubject(schema: DescMessage): string {
  const { context, version } = contextAndVersion(schema.typeName);
  return `evt.${context}.${version}.${toSnakeCase(schema.name)}`;
}

/** JetStream stream that holds a context's events: `EVT_<CONTEXT>`. */
export function eventStream(context: string): string {
  return `EVT_${context.toUpperCase()}`;
}

/** Subjects captured by a context's event stream. */
export function eventStreamSubjects(context: string): string[] {
  return [`evt.${context}.>`];
}
