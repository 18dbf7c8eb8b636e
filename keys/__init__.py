"""Key material: generation, encrypted storage, the keyring, signing and verification.

Nothing outside this package touches a private key.
"""
