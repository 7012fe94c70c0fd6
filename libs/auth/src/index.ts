export {
  createTokenVerifier,
  DEFAULT_ALGORITHMS,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_JWKS_COOLDOWN_MS,
  parseBearer,
  TokenRejectedError,
  type Principal,
  type TokenRejection,
  type TokenVerifier,
  type TokenVerifierOptions,
} from './token-verifier.js';
