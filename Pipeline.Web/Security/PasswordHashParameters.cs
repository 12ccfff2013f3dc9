using Microsoft.AspNetCore.Cryptography.KeyDerivation;

namespace Pipeline.Web.Security;

/// <summary>
/// What a PasswordHasher v3 hash's header says about its PBKDF2 run: the PRF, the iteration count, and the salt and
/// subkey lengths in bytes. Two hashes with equal parameters cost the same to verify.
/// </summary>
public readonly record struct PasswordHashParameters(KeyDerivationPrf Prf, int Iterations, int SaltLength, int SubkeyLength);
