using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Pipeline.Adapters.Local;

/// <summary>
/// The raw zone's metadata attribute (<c>user.pipeline.metadata</c>) on an open file, through Linux's
/// <c>fsetxattr</c>/<c>fgetxattr</c>. Elsewhere <see cref="Supported"/> is false and nothing here is called.
/// </summary>
internal static class ExtendedAttributes
{
    public const string Name = "user.pipeline.metadata";

    private const int ENODATA = 61, ERANGE = 34, ENOTSUP = 95, EPERM = 1;

    public static bool Supported { get; } = OperatingSystem.IsLinux();

    /// <summary>Sets the attribute; 0, or the errno the system answered.</summary>
    public static int Set(SafeFileHandle file, byte[] value)
    {
        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            return fsetxattr((int)file.DangerousGetHandle(), Name, value, (nuint)value.Length, 0) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        finally
        {
            if (added) file.DangerousRelease();
        }
    }

    /// <summary>The attribute's value, or null when the file has none (or the file system keeps none).</summary>
    public static ReadOnlyMemory<byte>? Get(SafeFileHandle file)
    {
        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            var fd = (int)file.DangerousGetHandle();
            var buffer = new byte[1024];
            while (true)
            {
                var length = fgetxattr(fd, Name, buffer, (nuint)buffer.Length);
                if (length >= 0) return buffer.AsMemory(0, (int)length);
                var error = Marshal.GetLastPInvokeError();
                if (error != ERANGE) return error == ENODATA || IsUnsupported(error) ? null : throw new IOException($"Reading the metadata attribute failed (errno {error}).");
                var size = fgetxattr(fd, Name, null, 0); // how large it is now
                if (size < 0) return null;
                buffer = new byte[size];
            }
        }
        finally
        {
            if (added) file.DangerousRelease();
        }
    }

    /// <summary>The file system (or its mount) takes no user attributes.</summary>
    public static bool IsUnsupported(int errno) => errno is ENOTSUP or EPERM;

    [DllImport("libc", SetLastError = true)]
    private static extern int fsetxattr(int fd, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nuint size, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern nint fgetxattr(int fd, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[]? value, nuint size);
}
