"""The test run's password hasher: Argon2 (the production algorithm, same "argon2" hashes and
checks) at its lowest cost, since the suite hashes a password for every user it creates."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 8
    parallelism = 1
