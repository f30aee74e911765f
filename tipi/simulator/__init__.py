"""A local stand-in for the Treasury's PayFiP: the same SOAP service and payment pages, so
Préau's client is identical in the demo, the tests and production (only the base URL
changes). It keeps its state in Redis under its own key prefix and never touches Préau's
database: it is "the Treasury", not Préau."""
