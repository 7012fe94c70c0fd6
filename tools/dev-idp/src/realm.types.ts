// The subset of Keycloak's RealmRepresentation (a realm export, as read by `kc.sh --import-realm`)
// that the development identity provider reads. Field names and shapes follow Keycloak's JSON.

export interface ProtocolMapperRepresentation {
  name: string;
  protocol?: string;
  protocolMapper: string;
  consentRequired?: boolean;
  config?: Record<string, string>;
}

export interface RoleCompositesRepresentation {
  realm?: string[];
  client?: Record<string, string[]>;
}

export interface RoleRepresentation {
  name: string;
  description?: string;
  composite?: boolean;
  composites?: RoleCompositesRepresentation;
  clientRole?: boolean;
  containerId?: string;
  attributes?: Record<string, string[]>;
}

export interface CredentialRepresentation {
  type: string;
  value?: string;
  secretData?: string;
  credentialData?: string;
  temporary?: boolean;
  userLabel?: string;
}

export interface UserRepresentation {
  id?: string;
  username: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  emailVerified?: boolean;
  enabled?: boolean;
  createdTimestamp?: number;
  attributes?: Record<string, string[]>;
  credentials?: CredentialRepresentation[];
  realmRoles?: string[];
  clientRoles?: Record<string, string[]>;
  groups?: string[];
  requiredActions?: string[];
  serviceAccountClientId?: string;
}

export interface ClientRepresentation {
  id?: string;
  clientId: string;
  name?: string;
  description?: string;
  rootUrl?: string;
  baseUrl?: string;
  enabled?: boolean;
  clientAuthenticatorType?: string;
  secret?: string;
  redirectUris?: string[];
  webOrigins?: string[];
  bearerOnly?: boolean;
  consentRequired?: boolean;
  standardFlowEnabled?: boolean;
  implicitFlowEnabled?: boolean;
  directAccessGrantsEnabled?: boolean;
  serviceAccountsEnabled?: boolean;
  publicClient?: boolean;
  protocol?: string;
  attributes?: Record<string, string>;
  fullScopeAllowed?: boolean;
  protocolMappers?: ProtocolMapperRepresentation[];
  defaultClientScopes?: string[];
  optionalClientScopes?: string[];
}

export interface ClientScopeRepresentation {
  name: string;
  description?: string;
  protocol?: string;
  attributes?: Record<string, string>;
  protocolMappers?: ProtocolMapperRepresentation[];
}

export interface ScopeMappingRepresentation {
  client?: string;
  clientScope?: string;
  roles: string[];
}

export interface RealmRepresentation {
  realm: string;
  displayName?: string;
  enabled?: boolean;
  accessTokenLifespan?: number;
  ssoSessionIdleTimeout?: number;
  ssoSessionMaxLifespan?: number;
  accessCodeLifespan?: number;
  accessCodeLifespanLogin?: number;
  loginWithEmailAllowed?: boolean;
  roles?: {
    realm?: RoleRepresentation[];
    client?: Record<string, RoleRepresentation[]>;
  };
  defaultRole?: RoleRepresentation;
  groups?: unknown[];
  users?: UserRepresentation[];
  clients?: ClientRepresentation[];
  clientScopes?: ClientScopeRepresentation[];
  scopeMappings?: ScopeMappingRepresentation[];
  clientScopeMappings?: Record<string, ScopeMappingRepresentation[]>;
  defaultDefaultClientScopes?: string[];
  defaultOptionalClientScopes?: string[];
}
