// Component tests run on shared, sometimes busy machines: give `findBy…` and `waitFor` more than
// Testing Library's default second before they give up. Node-only test files skip this.
if (typeof document !== 'undefined') {
  const { configure } = await import('@testing-library/react');
  configure({ asyncUtilTimeout: 5_000 });
}

export {};
