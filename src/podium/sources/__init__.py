"""Where transcripts come from: pages on disk (files), the MFA site (mfa, fetch, http) and the page archive."""
