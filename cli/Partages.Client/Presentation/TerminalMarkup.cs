using Partages.Contracts;
using Spectre.Console;

namespace Partages.Client.Presentation;

/// <summary>
/// Text from the coordinator made safe for a Spectre.Console markup string: its control characters shown escaped
/// (<see cref="TerminalText"/>: Spectre writes them to the terminal as they are), then its brackets escaped so a name
/// such as <c>[red]</c> prints as written instead of colouring what follows.
/// </summary>
public static class TerminalMarkup
{
    public static string Escape(string? text) => Markup.Escape(TerminalText.Escape(text));
}
