namespace Pipeline.Tests.Support;

/// <summary>
/// Tests that drive a whole large run (hundreds of thousands of products in a child process). They run alone, after
/// the parallel tests, so that they neither take the CPU from the tests bound by deadlines (fault timeouts, browser
/// waits) nor wait for a core themselves (a restarted host's health probe).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeavyRunCollection
{
    public const string Name = "Heavy runs";
}
