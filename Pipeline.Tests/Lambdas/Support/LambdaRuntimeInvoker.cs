using System.Reflection;

namespace Pipeline.Tests.Lambdas.Support;

/// <summary>
/// Calls a handler the way the managed .NET runtime does (shared/fixtures/lambda-runtime/notes.md): split the handler
/// string <c>Assembly::Namespace.Type::Method</c>, load the assembly by name, create the type with its public
/// parameterless constructor (once, like a container's init), call the method with the payload as a
/// <see cref="Stream"/> and read the returned stream.
/// </summary>
public sealed class LambdaRuntimeInvoker
{
    private readonly object? _instance;
    private readonly MethodInfo _method;

    public LambdaRuntimeInvoker(string handler)
    {
        Handler = handler;
        var parts = handler.Split("::");
        Assert.True(parts.Length == 3, $"Handler '{handler}' is not Assembly::Type::Method.");
        var assembly = Assembly.Load(new AssemblyName(parts[0]));
        var type = assembly.GetType(parts[1], throwOnError: true)!;
        var methods = type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).Where(m => m.Name == parts[2]).ToList();
        Assert.True(methods.Count == 1, $"{parts[1]} has {methods.Count} public methods named {parts[2]}.");
        _method = methods[0];
        var parameters = _method.GetParameters();
        Assert.True(parameters.Length == 1 && parameters[0].ParameterType == typeof(Stream),
            "The runtime passes the payload through without a serializer only to a single parameter of exactly System.IO.Stream.");
        Assert.True(_method.ReturnType == typeof(Task<Stream>) || typeof(Stream).IsAssignableFrom(_method.ReturnType),
            $"{_method.Name} returns {_method.ReturnType}; without a serializer it must return a Stream or Task<Stream>.");
        _instance = _method.IsStatic ? null : Activator.CreateInstance(type); // needs a public parameterless constructor
    }

    public string Handler { get; }

    /// <summary>One invocation: the payload bytes in, the answer's bytes out. Exceptions propagate as the runtime sees them.</summary>
    public async Task<byte[]> InvokeAsync(byte[] payload)
    {
        using var input = new MemoryStream(payload, writable: false);
        var result = _method.Invoke(_instance, [input]);
        Stream output;
        if (result is Task task)
        {
            await task;
            output = (Stream)task.GetType().GetProperty(nameof(Task<Stream>.Result))!.GetValue(task)!;
        }
        else
        {
            output = (Stream)result!;
        }
        await using (output)
        {
            Assert.Equal(0, output.Position);
            using var copy = new MemoryStream();
            await output.CopyToAsync(copy);
            return copy.ToArray();
        }
    }
}
