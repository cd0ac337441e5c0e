// Parsers for the values of the workshop's options (`gather bench …`, `npm run reliability …`). A bad value
// throws commander's InvalidArgumentError: the CLI layer prints it as a usage error and exits 2.
import { InvalidArgumentError } from 'commander';

/** A parser of numbers that pass `test`; anything else is refused, saying what is `expected`. */
function numbers(test: (value: number) => boolean, expected: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || !test(parsed)) {
      throw new InvalidArgumentError(`Expected ${expected}`);
    }
    return parsed;
  };
}

export const integer = numbers(Number.isInteger, 'a whole number');
export const positiveInteger = numbers((n) => Number.isInteger(n) && n >= 1, 'a whole number ≥ 1');
export const positiveNumber = numbers((n) => n > 0, 'a number > 0');
export const numberAtLeast = (min: number) => numbers((n) => n >= min, `a number ≥ ${min}`);

/** "1,16,64" → [1, 16, 64]. */
export const positiveIntegers = (value: string): number[] => value.split(',').map(positiveInteger);
