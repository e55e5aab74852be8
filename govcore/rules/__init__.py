"""Rules (秒批): a safe expression language, rule sets as data, their test cases.

Import the submodules directly (``govcore.rules.engine`` …): the catalogue's
schema imports :mod:`govcore.rules.schema`, so this package imports nothing.
"""
