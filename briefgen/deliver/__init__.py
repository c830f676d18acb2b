"""Sending: a finished briefing to its recipients by email and to its team chats, never twice.

Owns the message (:mod:`~briefgen.deliver.message`: subject, parts, the PDF and the inline logo),
what each recipient's copy has of their own (:mod:`~briefgen.deliver.unsubscribe`: the list
headers, the signed one-click link, their fields in the body), SMTP (:mod:`~briefgen.deliver.smtp`:
sessions, retries, in-doubt outcomes, secrets kept out of every line), notifications through
Apprise (:mod:`~briefgen.deliver.notify`) and what a delivery did (:mod:`~briefgen.deliver.report`).
What was sent, and who unsubscribed, is recorded in the delivery log, which lives below building in
:mod:`briefgen.records.deliveries` so that a build can ask what a client was told.

Imports ``config``, ``records`` and ``render`` (the email's logo and recipient fields); building never imports it.
"""
