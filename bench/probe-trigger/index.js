'use strict';
// n8n loads the nodes from package.json's "n8n.nodes"; nothing to export here.
module.exports = {};
