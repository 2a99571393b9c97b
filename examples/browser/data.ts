// Where the lab's dataset comes from: the paper's SVOP example, the package's generator of
// realizable datasets, or a dataset JSON file the user uploads.
import { generateRealizable, parseDataset, svopExample, type Dataset } from 'ntp-dynamics';

export type Source = { kind: 'svop' } | { kind: 'random'; vocab: number; seed: number; incomplete: boolean } | { kind: 'upload'; file: File };

/** A dataset and a one-line description; throws NtpError with the package's own message on bad input. */
export async function loadDataset(source: Source): Promise<{ dataset: Dataset; label: string }> {
  switch (source.kind) {
    case 'svop':
      return { dataset: svopExample(), label: 'SVOP example (Examples 1–2 of the paper)' };
    case 'random': {
      const { vocab, seed, incomplete } = source;
      const dataset = generateRealizable({ vocab, seed, incomplete });
      return { dataset, label: `random realizable, |V| = ${vocab}, seed ${seed}${incomplete ? ', incomplete comparison graph' : ''}` };
    }
    case 'upload': {
      const text = await source.file.text();
      try {
        return { dataset: parseDataset(text), label: `uploaded ${source.file.name}` };
      } catch (e) {
        // name the file: the parser's message only knows positions inside it
        if (e instanceof Error) e.message = `${source.file.name}: ${e.message}`;
        throw e;
      }
    }
  }
}
