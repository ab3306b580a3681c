function badDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('deadline')), ms); });
  void work.finally(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
it('mutant without work.catch is caught by jest', async () => {
  jest.useFakeTimers();
  let reject!: (e: unknown) => void;
  const work = new Promise<string>((_, r) => (reject = r));
  const result = badDeadline(work, 20);
  const assertion = expect(result).rejects.toThrow('deadline');
  await jest.advanceTimersByTimeAsync(20);
  await assertion;
  reject(new Error('late failure'));
  jest.useRealTimers();
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
});
