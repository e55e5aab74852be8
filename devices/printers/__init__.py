"""Printer drivers: ESC/POS receipt printers (and, later, CUPS for A4)."""
