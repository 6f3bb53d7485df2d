'use strict';
// n8n loads the node from package.json's "n8n.nodes"; nothing to export here.
module.exports = {};
