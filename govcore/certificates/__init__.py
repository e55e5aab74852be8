"""Result documents: what they say, how they look, and how they are signed.

These modules are pure building blocks, with no database and no Flask:

* :mod:`.document`: the content of a document to render (certificate,
  refusal decision, receipt), as frozen dataclasses;
* :mod:`.pdf`: ``render_pdf(content) -> bytes``, A4, embedded CJK font,
  deterministic bytes;
* :mod:`.seal` and :mod:`.qr`: the department's red seal and the verification
  QR code as vector graphics; :mod:`.fonts` registers the embedded CJK font;
* :mod:`.pades`: PAdES signature of the rendered PDF and its check;
  :mod:`.local_ca` makes the demo's local CA and signing certificate;
* :mod:`.signing`: the signer port for canonical fields, with Ed25519 and a
  key ring that survives key rotation;
* :mod:`.receipt`: the device-neutral thermal-printer ticket.

Import from the submodules; this package re-exports nothing so that importing
one block (e.g. the ticket) does not load reportlab or pyHanko.
"""
