export {
  DEFAULT_REALM_FILE,
  DEMO_PASSWORD,
  PASSWORD_GRANT_CLIENT,
  startDevIdp,
  type DevIdp,
  type DevIdpLogger,
  type DevIdpOptions,
} from './dev-idp.server.js';
export { KEYCLOAK_ROUTES, LOGIN_ACTION_PATH } from './provider.factory.js';
export { loadRealm, Realm, RealmFileError } from './realm.model.js';
