using Pipeline.Web.Scheduling;

namespace Pipeline.Tests.Scheduling;

public sealed class CronDescriberTests
{
    [Theory]
    [InlineData("* * * * *", "Every minute")]
    [InlineData("*/15 * * * *", "Every 15 minutes")]
    [InlineData("0 * * * *", "Every hour, on the hour")]
    [InlineData("@hourly", "Every hour, on the hour")]
    [InlineData("5 * * * *", "Every hour at 5 minutes past the hour")]
    [InlineData("0,30 * * * *", "Every hour at minutes 0 and 30")]
    [InlineData("0 */6 * * *", "Every 6 hours, at 00:00, 06:00, 12:00 and 18:00 UTC")]
    [InlineData("30 */6 * * *", "Every 6 hours, at 00:30, 06:30, 12:30 and 18:30 UTC")]
    [InlineData("0 1-23/6 * * *", "Every 6 hours, at 01:00, 07:00, 13:00 and 19:00 UTC")]
    [InlineData("0 */2 * * *", "Every 2 hours, on the hour (UTC)")]
    [InlineData("30 3 * * *", "Every day at 03:30 UTC")]
    [InlineData("@daily", "Every day at 00:00 UTC")]
    [InlineData("0 8,20 * * *", "Every day at 08:00 and 20:00 UTC")]
    [InlineData("0 8 * * 1-5", "Every weekday (Monday to Friday) at 08:00 UTC")]
    [InlineData("0 9 * * MON", "Every Monday at 09:00 UTC")]
    [InlineData("0 9 * * 0,6", "Every Saturday and Sunday at 09:00 UTC")]
    [InlineData("0 9 * * 1,3,5", "Every Monday, Wednesday and Friday at 09:00 UTC")]
    [InlineData("0 9 * * 7", "Every Sunday at 09:00 UTC")]
    [InlineData("0 2 1 * *", "On the 1st of every month at 02:00 UTC")]
    [InlineData("15 4 22 JAN *", "On the 22nd of January at 04:15 UTC")]
    public void Common_forms_are_put_into_words(string cron, string expected) =>
        Assert.Equal(expected, CronDescriber.Describe(cron));

    [Theory]
    [InlineData("0 0 1-7 * 1")]
    [InlineData("*/5 9-17 * * *")]
    public void Unusual_forms_fall_back_to_the_expression_itself(string cron) =>
        Assert.Equal($"Cron \"{cron}\" (UTC)", CronDescriber.Describe(cron));

    [Theory]
    [InlineData("")]
    [InlineData("0 */6 * *")]
    [InlineData("0 */6 * * * * *")]
    [InlineData("60 * * * *")]
    [InlineData("0 24 * * *")]
    [InlineData("0 0 0 * *")]
    [InlineData("0 0 * 13 *")]
    [InlineData("0 0 * * 8")]
    [InlineData("0 5-1 * * *")]
    [InlineData("*/0 * * * *")]
    [InlineData("0 0 * * FUNDAY")]
    [InlineData("every six hours")]
    public void Malformed_expressions_are_refused(string cron) => Assert.False(CronDescriber.IsWellFormed(cron));

    [Theory]
    [InlineData("0 */6 * * *")]
    [InlineData("@weekly")]
    [InlineData("0 0 ? * SUN")]
    [InlineData("1,2,3 0-5/2 1-31 1-12 0-7")]
    public void Well_formed_expressions_are_accepted(string cron) => Assert.True(CronDescriber.IsWellFormed(cron));
}
