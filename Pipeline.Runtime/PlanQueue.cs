namespace Pipeline.Runtime;

/// <summary>Runs waiting to be planned and published (read by the <see cref="PlanWorker"/>).</summary>
public sealed class PlanQueue() : WorkQueue<string>(1024);
