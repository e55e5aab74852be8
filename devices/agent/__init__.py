"""The terminal agent: runs beside the kiosk's devices and talks to the server
over outbound HTTPS only (see :mod:`devices.agent.agent`)."""

from devices.agent.agent import Agent, Devices
from devices.agent.transport import AgentTransport, HttpTransport, TransportError

__all__ = ["Agent", "AgentTransport", "Devices", "HttpTransport", "TransportError"]
