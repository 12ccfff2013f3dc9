using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Pipeline.Core.Domain;

namespace Pipeline.Core.Sources;

public sealed record ParseContext(string Source, string RunId, string RawKey, DateTimeOffset SeenAt);
