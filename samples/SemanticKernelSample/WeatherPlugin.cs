using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace Aspire70B.Samples.SemanticKernelSample;

/// <summary>The plugin the model may call: made-up but deterministic weather, so a run can be checked.</summary>
public sealed class WeatherPlugin
{
    private static readonly string[] Skies = ["sunny", "cloudy", "rainy", "windy"];

    [KernelFunction("get_weather"), Description("The current weather in a city.")]
    public static string GetWeather([Description("The city, e.g. Paris")] string city) =>
        $"{city}: {Temperature(city, 0)} °C, {Sky(city, 0)}";

    [KernelFunction("get_forecast"), Description("The weather forecast for a city, day by day.")]
    public static string GetForecast(
        [Description("The city, e.g. Paris")] string city,
        [Description("How many days ahead, from 1 to 7")] int days) =>
        string.Join("; ", Enumerable.Range(1, Math.Clamp(days, 1, 7)).Select(day => $"day {day}: {Temperature(city, day)} °C, {Sky(city, day)}"));

    private static int Temperature(string city, int day) => 8 + ((city.Length * 7 + day * 3) % 17);

    private static string Sky(string city, int day) => Skies[(city.Length + day) % Skies.Length];
}
