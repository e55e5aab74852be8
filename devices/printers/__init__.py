"""Printer drivers: ESC/POS receipt printers, and CUPS for the A4 printer."""
