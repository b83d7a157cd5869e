// Length limits of what people type into the account forms, the API and the CLI. Checked
// before anything expensive (an argon2 evaluation, a database write), each with a message
// that says the limit.

/** RFC 5321: a forward-path holds at most 256 octets, so an address at most 254 characters. */
export const MAX_EMAIL_LENGTH = 254;
/** A user's display name. */
export const MAX_NAME_LENGTH = 100;
/** An API token's name. */
export const MAX_TOKEN_NAME_LENGTH = 100;
/**
 * The most characters of a password that is checked (sign-in, the current password of a change):
 * argon2 hashes any length, so without a cap a megabyte "password" costs the server a megabyte of
 * hashing per attempt. New passwords stay within MAX_NEW_PASSWORD_LENGTH (lib/auth/users.ts).
 */
export const MAX_PASSWORD_INPUT_LENGTH = 1024;
/** A session's stored User-Agent is cut to this many characters. */
export const MAX_USER_AGENT_LENGTH = 256;

export const LIMIT_MESSAGES = {
  email: `E-mail addresses have at most ${MAX_EMAIL_LENGTH} characters`,
  name: `Names have at most ${MAX_NAME_LENGTH} characters`,
  tokenName: `Give the token a name of 1 to ${MAX_TOKEN_NAME_LENGTH} characters`,
  password: `Passwords have at most ${MAX_PASSWORD_INPUT_LENGTH} characters`,
};
