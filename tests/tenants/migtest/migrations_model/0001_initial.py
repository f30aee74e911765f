"""The app's real 0001, so that only 0002 is pending."""

from importlib import import_module

Migration = import_module("tests.tenants.migtest.migrations.0001_initial").Migration
