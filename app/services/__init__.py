"""Typed service functions: the rules of intake, dispatch and referral, callable without HTTP."""
