namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>A usable document: its text and the index of its gold label in the spec's label order. Its id stays in the reader.</summary>
internal readonly record struct LabeledDocument(string Text, int Label);
