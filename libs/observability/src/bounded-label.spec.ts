import { BoundedLabel, OTHER_LABEL_VALUE } from './bounded-label';

describe('BoundedLabel', () => {
  it('keeps the first values it sees and folds later ones into other', () => {
    const label = new BoundedLabel(2);
    expect(label.of('a')).toBe('a');
    expect(label.of('b')).toBe('b');
    expect(label.of('c')).toBe(OTHER_LABEL_VALUE);
    expect(label.of('a')).toBe('a');
    expect(label.of('b')).toBe('b');
    expect(label.of('d')).toBe(OTHER_LABEL_VALUE);
  });
});
