"""Where transcripts come from, with what is known about each page (``model.PageHints``): pages on disk (files) and
their indexes (indexes), Q&A tables read into rows (tables), the MFA site (mfa, fetch, http) and the page archive.
Sources never parse a transcript and never import ``podium.parse``: ``podium.pipeline`` joins the two."""
