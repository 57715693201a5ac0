// Printed at the start of `npm test`: the tests must run on the Node major Lambda runs (nodejs24.x).
const major = Number(process.versions.node.split('.')[0]);
console.log(`node ${process.version} (${process.execPath})`);
if (major !== 24) {
  console.error(
    `expected Node 24 (the Lambda runtime); run through npm so node_modules/.bin/node is used`,
  );
  process.exit(1);
}
