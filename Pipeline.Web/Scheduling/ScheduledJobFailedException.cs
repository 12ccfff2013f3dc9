using Hangfire.Server;
using Hangfire.Storage;
using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Sources;
using Pipeline.Core.Stages;
using Pipeline.Runtime;
using Pipeline.Web.Hosting;

namespace Pipeline.Web.Scheduling;

/// <summary>Thrown at the end of a failed execution, so that Hangfire records it as failed with the summary.</summary>
public sealed class ScheduledJobFailedException(string message) : Exception(message);
