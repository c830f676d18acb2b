"""Sending: a finished briefing to its recipients by email, never twice.

Owns the message (:mod:`~briefgen.deliver.message`: subject, parts, the PDF and the inline logo)
and SMTP (:mod:`~briefgen.deliver.smtp`: sessions, retries, in-doubt outcomes, secrets kept out of
every line). What was sent is recorded in the delivery log, which lives below building in
:mod:`briefgen.records.deliveries` so that a build can ask what a client was told.

Imports ``config``, ``records`` and ``render`` (the email's logo); building never imports it.
"""
