
namespace Pipeline.Core.Stages;

/// <summary>One invalid field of a request: the name clients see in <c>errors</c> and what is wrong with it.</summary>
public sealed record FieldError(string Field, string Message);
