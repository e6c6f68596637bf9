using System;
using System.IO;
using FastBertTokenizer;

namespace SentenceEmbeddings;

/// <summary>WordPiece tokens of a sentence, by FastBertTokenizer on the package's vocab.txt (lower-cased, as
/// all-MiniLM-L6-v2 was trained): [CLS] … [SEP], at most 256.</summary>
public sealed class Tokens
{
    private readonly BertTokenizer _tokenizer = new();

    public Tokens()
    {
        using var reader = new StreamReader(MiniLmWeights.Vocabulary());
        _tokenizer.LoadVocabulary(reader, convertInputToLowercase: true);
    }

    public int[] Of(string sentence)
    {
        var (ids, _, _) = _tokenizer.Encode(sentence, MiniLmWeights.MaxTokens);
        return Array.ConvertAll(ids.ToArray(), id => (int)id);
    }
}
