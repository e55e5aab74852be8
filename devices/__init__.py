"""Device drivers (ID card reader, printers, scanner) implementing govcore ports.

Drivers and simulators arrive with the device-layer issue; this package may
import only ``govcore.ports``, ``govcore.errors``, the stdlib and vendor SDKs.
"""
