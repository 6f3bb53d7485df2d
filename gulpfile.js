const path = require('node:path');
const { src, dest, task } = require('gulp');

// tsc emits only JavaScript; n8n also loads each node's icons from next to its .js file.
function copyIcons() {
	return src(['nodes/**/*.{png,svg}', 'credentials/**/*.{png,svg}'], { encoding: false }).pipe(
		dest((file) => path.resolve('dist', path.relative(process.cwd(), file.base))),
	);
}

task('build:icons', copyIcons);
