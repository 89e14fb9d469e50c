// Markup as tagged templates (htm) rendered by Preact: every ${value} is text, never HTML, so
// what an app logs or a config var holds shows literally.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
