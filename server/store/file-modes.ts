/** Store files hold Secrets and identities: owner-only, whatever the data dir's mode or the umask. */
export const STORE_FILE_MODES = { fileMode: 0o600, dirMode: 0o700 } as const;
