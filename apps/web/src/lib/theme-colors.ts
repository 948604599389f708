/**
 * The top bar's colour in each theme (styles.css `--surface`): the browser's own bar takes it
 * (`<meta name="theme-color">`), and the manifest's colours for the installed app.
 */
export const THEME_COLORS = { light: '#ffffff', dark: '#1c1c1e' } as const;
